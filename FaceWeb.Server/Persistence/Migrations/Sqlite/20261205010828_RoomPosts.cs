using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FaceWeb.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RoomPosts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "RoomLink",
                table: "Sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RoomName",
                table: "Sessions",
                type: "TEXT",
                maxLength: 80,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "OriginNode",
                table: "Latents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Kind",
                table: "Edits",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "Latent",
                table: "Edits",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Layers",
                table: "Edits",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "OriginNode",
                table: "Edits",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Parameters",
                table: "Edits",
                type: "TEXT",
                maxLength: 16000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Width",
                table: "Edits",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RoomLink",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "RoomName",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "OriginNode",
                table: "Latents");

            migrationBuilder.DropColumn(
                name: "Kind",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Latent",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Layers",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "OriginNode",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Parameters",
                table: "Edits");

            migrationBuilder.DropColumn(
                name: "Width",
                table: "Edits");
        }
    }
}
