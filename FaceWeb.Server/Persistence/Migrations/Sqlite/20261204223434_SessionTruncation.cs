using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FaceWeb.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionTruncation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "StartTruncation",
                table: "Sessions",
                type: "REAL",
                nullable: false,
                defaultValue: 0.69999999999999996);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "StartTruncation",
                table: "Sessions");
        }
    }
}
